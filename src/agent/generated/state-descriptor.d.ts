// Types for the descriptor that scripts/build.mjs makes from proto/v1alpha1/*.proto (protobufjs's JSON form).

/** stateDescriptor is the COSI State API's protobuf definitions as protobufjs JSON, for proto-loader's fromJSON. */
export declare const stateDescriptor: Record<string, unknown>;
