#!/usr/bin/python3
"""libseccomp-load.py PROFILE [--exec]: loads an OCI seccomp profile with libseccomp itself (Debian's python3-seccomp, the
library's own bindings) the way runc does when containerd hands it a profile (libcontainer/seccomp, runc 1.1):
only the OCI fields (architectures, defaultAction/defaultErrnoRet, syscalls[].names/action/errnoRet/args; the
extended format's archMap, includes and excludes are not read), names this libseccomp cannot resolve skipped as
runc skips them, arguments on distinct indices ANDed in one rule, repeated indices one rule each. The filter is
compiled to BPF, then loaded in a child process, which then exits (exit_group) or, with --exec, runs /bin/true under
it (a profile made for one program may not allow what /bin/true and the dynamic loader need).

Prints one JSON object: {"rules": N, "skipped": [names], "bpfBytes": N, "childExit": N}; exits 1 on any error.
"""
import json
import os
import sys
import tempfile

import seccomp

OPS = {
    'SCMP_CMP_NE': seccomp.NE, 'SCMP_CMP_LT': seccomp.LT, 'SCMP_CMP_LE': seccomp.LE, 'SCMP_CMP_EQ': seccomp.EQ,
    'SCMP_CMP_GE': seccomp.GE, 'SCMP_CMP_GT': seccomp.GT, 'SCMP_CMP_MASKED_EQ': seccomp.MASKED_EQ,
}
ARCHES = {'SCMP_ARCH_X86': 'X86', 'SCMP_ARCH_X86_64': 'X86_64', 'SCMP_ARCH_X32': 'X32', 'SCMP_ARCH_ARM': 'ARM', 'SCMP_ARCH_AARCH64': 'AARCH64'}


def action(name, errno):
    if name == 'SCMP_ACT_ALLOW':
        return seccomp.ALLOW
    if name == 'SCMP_ACT_ERRNO':
        return seccomp.ERRNO(1 if errno is None else errno)
    if name == 'SCMP_ACT_LOG':
        return seccomp.LOG
    if name in ('SCMP_ACT_KILL', 'SCMP_ACT_KILL_THREAD'):
        return seccomp.KILL
    if name == 'SCMP_ACT_KILL_PROCESS':
        return seccomp.KILL_PROCESS
    if name == 'SCMP_ACT_TRAP':
        return seccomp.TRAP
    if name == 'SCMP_ACT_TRACE':
        return seccomp.TRACE(0 if errno is None else errno)
    raise ValueError(f'action {name} is not loaded by this test')


def build(profile):
    flt = seccomp.SyscallFilter(action(profile['defaultAction'], profile.get('defaultErrnoRet')))
    for arch in profile.get('architectures') or []:
        token = ARCHES.get(arch)
        if token is None:
            continue
        try:
            flt.add_arch(getattr(seccomp.Arch, token))
        except RuntimeError:
            pass  # the native architecture is there already
    rules, skipped = 0, set()
    for rule in profile.get('syscalls') or []:
        act = action(rule['action'], rule.get('errnoRet'))
        args = rule.get('args') or []
        conditions = [seccomp.Arg(a['index'], OPS[a['op']], a['value'], a.get('valueTwo', 0)) for a in args]
        groups = [conditions] if len({a['index'] for a in args}) == len(args) else [[c] for c in conditions]
        for name in rule.get('names') or []:
            if seccomp.resolve_syscall(seccomp.Arch.NATIVE, name) == -1:  # __NR_SCMP_ERROR: unknown to this libseccomp
                skipped.add(name)
                continue
            for group in groups:
                if act == flt.get_attr(seccomp.Attr.ACT_DEFAULT):
                    continue  # libseccomp refuses a rule whose action is the default; runc leaves it out too
                flt.add_rule(act, name, *group)
                rules += 1
    return flt, rules, sorted(skipped)


def main():
    with open(sys.argv[1], encoding='utf-8') as file:
        profile = json.load(file)
    flt, rules, skipped = build(profile)
    with tempfile.TemporaryFile() as bpf:
        flt.export_bpf(bpf)
        size = bpf.tell()
    pid = os.fork()
    if pid == 0:
        try:
            flt.load()
            if '--exec' in sys.argv[2:]:
                os.execv('/bin/true', ['/bin/true'])
            os._exit(0)
        finally:
            os._exit(127)
    _, status = os.waitpid(pid, 0)
    print(json.dumps({'rules': rules, 'skipped': skipped, 'bpfBytes': size, 'childExit': os.waitstatus_to_exitcode(status)}))


if __name__ == '__main__':
    main()
