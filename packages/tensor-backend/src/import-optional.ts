/**
 * `import()` of an optional peer package by a non-literal name, so that type checkers do not require it and bundlers
 * leave it out (it is loaded only where a backend asks for it).
 *
 * @module
 */

/** Imports `specifier` at run time. */
export function importOptional(specifier: string): Promise<unknown> {
  return import(/* @vite-ignore */ specifier);
}
