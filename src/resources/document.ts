import {loadDocument as loadWithChecks, type LoadRequest} from '../config/load-document.js';
import {documentChecks} from './registry.js';

/**
 * loadDocument reads, patches and validates a document with the document rules of every registered resource kind
 * (`documentChecks`): what the CLI, the agent and tests load documents with. See the config layer's loadDocument.
 */
export function loadDocument(request: Omit<LoadRequest, 'checks'>): ReturnType<typeof loadWithChecks> {
  return loadWithChecks({...request, checks: documentChecks});
}
