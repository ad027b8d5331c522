/** canonicalModuleName folds `-` into `_`: the kernel treats them as the same character in module names. */
export function canonicalModuleName(name: string): string {
  return name.replace(/-/g, '_');
}
