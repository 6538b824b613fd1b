// autocannon ships no type declarations; the bench uses it through runLoad() only.
declare module 'autocannon' {
  const autocannon: (options: Record<string, unknown>) => Promise<unknown>;
  export default autocannon;
}
