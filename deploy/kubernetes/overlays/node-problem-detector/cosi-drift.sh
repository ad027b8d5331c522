#!/bin/bash
# node-problem-detector custom plugin: does the node match its cosi document? Its protocol: exit 0 OK, 1 NonOK (the
# problem: the node differs), 2 Unknown, with the condition's message on stdout. `cosi drift` exits 0 when the node
# matches, 2 when it differs and 1 on an error, so the codes are mapped here. The paths are the pod's mounts
# (daemonset.yaml); the variables are for tests.
out=$("${COSI:-/opt/cosi/bin/cosi}" drift --no-color --root "${COSI_ROOT:-/host}" \
  "${COSI_DOCUMENT:-/etc/cosi/document/config.yaml}" 2>&1)
case $? in
  0)
    echo "the node matches its cosi document"
    exit 0
    ;;
  2)
    echo "the node differs from its cosi document: $(grep '^drift: ' <<<"$out" | sed -e 's/^drift: //' -e 's/ (.*//' | paste -sd ' ')"
    exit 1
    ;;
  *)
    echo "cosi drift failed: $(grep -m1 'error' <<<"$out" || head -n1 <<<"$out")"
    exit 2
    ;;
esac
