/** serviceAddress is the address of a systemd unit: `service.kubelet` for kubelet.service, `service.x.timer` for x.timer. */
export function serviceAddress(unit: string): string {
  return `service.${unit.replace(/\.service$/, '')}`;
}
