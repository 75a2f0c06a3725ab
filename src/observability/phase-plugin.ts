import type { Plugin } from 'graphql-yoga';
import { markPhase } from '../common/instrumentation.js';

/**
 * The GraphQL engine's phases of a request, for `PHASE_TIMING=1` (see `withPhaseRecording`):
 * when yoga sees the request, when the document is parsed and validated, when execution starts
 * and ends, and when the answer has been serialised into a Response. Listed last, so that its
 * "execution start" comes after every other plugin's work before execution.
 */
export function usePhaseMarks(): Plugin {
  return {
    onRequest() {
      markPhase('yoga request');
    },
    onRequestParse() {
      return { onRequestParseDone: () => markPhase('body parsed') };
    },
    onParse() {
      markPhase('parse start');
      return () => markPhase('parsed');
    },
    onValidate() {
      return () => markPhase('validated');
    },
    onExecute() {
      markPhase('execution start');
      return { onExecuteDone: () => markPhase('execution end') };
    },
    onResultProcess() {
      markPhase('serialisation start');
    },
    onResponse() {
      markPhase('response ready');
    },
  };
}
