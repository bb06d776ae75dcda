// oidc-provider ships no types (and @types/oidc-provider would be one more dependency for a test
// helper): the helper uses it as an untyped module.
declare module 'oidc-provider' {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const Provider: any;
  export default Provider;
}
