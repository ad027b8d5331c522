/**
 * SwapOriginal is what cosi found before it first turned swap off: the active swap, the boot units among them that
 * were active (started again on removal), and the boot units that were masked already (never unmasked by cosi).
 */
export interface SwapOriginal {
  readonly active: readonly string[];
  readonly activeUnits: readonly string[];
  readonly masked: readonly string[];
}

/** SwapApplied is what cosi has done: swap off, and every unit it masked (all of them, over every apply). */
export interface SwapApplied {
  readonly enabled: false;
  readonly masked: readonly string[];
}
