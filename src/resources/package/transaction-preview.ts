/**
 * PreviewStep is one package a transaction changes, as the manager's resolver answers in a dry run: installed anew,
 * upgraded, downgraded or reinstalled (`from` the installed version `to` the new one), or removed. Dependencies the
 * document does not name are steps too: the preview is the whole transaction.
 */
export interface PreviewStep {
  readonly name: string;
  readonly op: 'install' | 'upgrade' | 'downgrade' | 'reinstall' | 'remove';
  readonly from?: string;
  readonly to?: string;
}

/** describeStep says one step for a plan's details: `upgrade openssh-client 1:9.2p1-2 -> 1:9.2p1-2+deb12u3`. */
export function describeStep(step: PreviewStep): string {
  switch (step.op) {
    case 'install':
      return `install ${step.name} ${step.to ?? ''}`.trimEnd();
    case 'remove':
      return `remove ${step.name} ${step.from ?? ''}`.trimEnd();
    case 'upgrade':
    case 'downgrade':
    case 'reinstall':
      return `${step.op} ${step.name} ${step.from ?? '?'} -> ${step.to ?? '?'}`;
  }
}
