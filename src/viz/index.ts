export { renderTiles, renderFilters, renderFeatureMaps } from './grid.ts';
export type { RgbaImage, GridOptions } from './grid.ts';
