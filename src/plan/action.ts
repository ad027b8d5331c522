/** Action is what a planned change does to one resource. `noop` appears only in full listings. */
export type Action = 'create' | 'update' | 'delete' | 'replace' | 'noop';

/** actionSymbols are the Terraform-style markers of the human plan. */
export const actionSymbols: Readonly<Record<Action, string>> = {
  create: '+',
  update: '~',
  delete: '-',
  replace: '-/+',
  noop: ' ',
};
