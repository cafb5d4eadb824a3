/**
 * Private: the host functions `sim_kernel.wasm` imports: JavaScript's own Math.exp and Math.log,
 * which the kernel calls for the arguments its correctly rounded fast paths leave undecided.
 */
export const exp: (x: number) => number = Math.exp;
export const log: (x: number) => number = Math.log;
