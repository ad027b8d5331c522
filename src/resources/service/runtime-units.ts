/**
 * runtimeUnits are the units others run on, in the order they restart: the container runtimes, then the kubelet
 * (restarting the runtime before the kubelet keeps the kubelet from seeing it go away twice). They are also the units
 * that start only after cosi-apply.service (src/boot).
 */
export const runtimeUnits = ['containerd.service', 'crio.service', 'kubelet.service'] as const;
