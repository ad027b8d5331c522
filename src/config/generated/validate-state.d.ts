// Types for the standalone validator that scripts/build.mjs precompiles from schemas/state.schema.json.
import type {ErrorObject} from 'ajv';

/** validateState checks a value against the schema of cosi's state file; errors are left on the function. */
declare const validateState: {
  (data: unknown): boolean;
  errors?: ErrorObject[] | null;
};
export default validateState;
