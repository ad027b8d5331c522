/** UnitStatus is what `systemctl show -p Id,UnitFileState,ActiveState,LoadState` says about one unit. */
export interface UnitStatus {
  readonly id: string;
  readonly loadState: string;
  readonly unitFileState: string;
  readonly activeState: string;
}

/**
 * parseSystemctlShow reads the output of `systemctl show -p ... u1 u2 …`: one block of `Key=value` lines per unit,
 * blocks separated by blank lines, in the order the units were asked for. Pure.
 */
export function parseSystemctlShow(text: string, units: readonly string[]): Record<string, UnitStatus> {
  const blocks = text
    .split(/\n\s*\n/)
    .map((b) => b.trim())
    .filter(Boolean);
  const out: Record<string, UnitStatus> = {};
  blocks.forEach((block, i) => {
    const fields = Object.fromEntries(
      block.split('\n').map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    );
    const unit = units[i];
    if (unit === undefined) return;
    out[unit] = {
      id: fields.Id || unit,
      loadState: fields.LoadState ?? '',
      unitFileState: fields.UnitFileState ?? '',
      activeState: fields.ActiveState ?? '',
    };
  });
  return out;
}

/** isEnabled maps UnitFileState to enabled (true), disabled (false), or neither (static, indirect, generated…: undefined). */
export function isEnabled(unitFileState: string): boolean | undefined {
  if (
    unitFileState === 'enabled' ||
    unitFileState === 'enabled-runtime' ||
    unitFileState === 'linked' ||
    unitFileState === 'alias'
  )
    return true;
  if (unitFileState === 'disabled') return false;
  return undefined;
}

/** isRunning maps ActiveState to running (active, activating, reloading) or not. */
export function isRunning(activeState: string): boolean {
  return activeState === 'active' || activeState === 'activating' || activeState === 'reloading';
}
