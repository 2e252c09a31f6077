declare module 'mnist' {
  const digits: unknown;
  export default digits;
}
