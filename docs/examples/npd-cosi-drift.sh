#!/bin/sh
# node-problem-detector custom plugin: maps `cosi drift` exit codes (0 none, 2 drift, 1 error) to NPD's
# (0 OK, 1 problem, 2 unknown) and prints a short message (NPD reads the first line of stdout).
out=$(cosi drift --no-color /etc/cosi/config.yaml 2>&1)
case $? in
  0) echo "node matches its cosi configuration"; exit 0 ;;
  2) echo "$out" | grep '^drift:' | head -n 5 | tr '\n' ' '; echo; exit 1 ;;
  *) echo "cosi drift failed: $(echo "$out" | head -n 1)"; exit 2 ;;
esac
