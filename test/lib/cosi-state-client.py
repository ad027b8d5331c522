"""A COSI State API client that is not cosi's: Debian's python3-grpcio with stubs protoc generated from cosi's
proto/v1alpha1 at test time (the directory holding the generated v1alpha1 package is argv[1]). One JSON line out per
resource, event or result; errors are {"code": NAME, "details": TEXT, "trailers": {...}}.

usage: cosi-state-client.py STUBS SOCKET list NS TYPE [KEY=VALUE]
       cosi-state-client.py STUBS SOCKET get NS TYPE ID
       cosi-state-client.py STUBS SOCKET watch NS TYPE SECONDS
       cosi-state-client.py STUBS SOCKET update-config FILE
"""
import json
import sys
import time

sys.path.insert(0, sys.argv[1])
import grpc  # noqa: E402
from v1alpha1 import resource_pb2, state_pb2, state_pb2_grpc  # noqa: E402


def resource_json(r):
    return {
        "namespace": r.metadata.namespace,
        "type": r.metadata.type,
        "id": r.metadata.id,
        "version": r.metadata.version,
        "owner": r.metadata.owner,
        "phase": r.metadata.phase,
        "labels": dict(r.metadata.labels),
        "yaml": r.spec.yaml_spec,
        "proto_spec_bytes": len(r.spec.proto_spec),
    }


def out(value):
    print(json.dumps(value), flush=True)


def fail(error):
    trailers = {}
    for key, value in error.trailing_metadata() or ():
        trailers[key] = value.decode() if isinstance(value, bytes) else value
    out({"code": error.code().name, "details": error.details(), "trailers": trailers})
    sys.exit(3)


def main():
    socket, command, args = sys.argv[2], sys.argv[3], sys.argv[4:]
    channel = grpc.insecure_channel("unix:" + socket)
    stub = state_pb2_grpc.StateStub(channel)
    try:
        if command == "list":
            options = state_pb2.ListOptions()
            if len(args) > 2:
                key, value = args[2].split("=", 1)
                term = resource_pb2.LabelTerm(key=key, op=resource_pb2.LabelTerm.EQUAL, value=[value])
                options.label_query.append(resource_pb2.LabelQuery(terms=[term]))
            for response in stub.List(state_pb2.ListRequest(namespace=args[0], type=args[1], options=options), timeout=30):
                out(resource_json(response.resource))
        elif command == "get":
            response = stub.Get(state_pb2.GetRequest(namespace=args[0], type=args[1], id=args[2]), timeout=30)
            out(resource_json(response.resource))
        elif command == "watch":
            request = state_pb2.WatchRequest(
                namespace=args[0], type=args[1], api_version=1,
                options=state_pb2.WatchOptions(bootstrap_contents=True))
            try:
                for response in stub.Watch(request, timeout=float(args[2])):
                    if len(response.event) == 0:
                        out({"ready": True})
                    for event in response.event:
                        out({"event": state_pb2.EventType.Name(event.event_type), "at": time.time(),
                             "resource": resource_json(event.resource)})
            except grpc.RpcError as error:
                if error.code() != grpc.StatusCode.DEADLINE_EXCEEDED:
                    raise
        elif command == "update-config":
            current = stub.Get(state_pb2.GetRequest(namespace="config", type="NodeConfigs.cosi.dev", id="current"), timeout=30)
            new = resource_pb2.Resource()
            new.CopyFrom(current.resource)
            with open(args[0], encoding="utf-8") as f:
                new.spec.yaml_spec = f.read()
            response = stub.Update(state_pb2.UpdateRequest(new_resource=new), timeout=60)
            out({"ok": True, "resource": resource_json(response.resource)})
        else:
            sys.exit("unknown command " + command)
    except grpc.RpcError as error:
        fail(error)


main()
