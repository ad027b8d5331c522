// Types for the standalone validator that scripts/build.mjs precompiles from schemas/cosi.schema.json.
import type {ErrorObject} from 'ajv';

/** validateDocument checks a value against the cosi document schema; errors are left on the function. */
declare const validateDocument: {
  (data: unknown): boolean;
  errors?: ErrorObject[] | null;
};
export default validateDocument;
