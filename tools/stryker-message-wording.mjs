// A Stryker ignorer for `npm run mutation`: string mutants of message wording are not counted.
// Messages are tested for what they must say (the prop, the rule, the path), not word for word;
// a mutant that only changes their prose would demand tests that copy sentences.
//
// Prose is a string with a space in it that starts with a lowercase letter, holds punctuation, or
// begins or ends with a space (a fragment of a sentence): "must be a whole number from 1 to 24",
// ", but it ", "Secure baseline violated in ". Not prose, and so still mutated:
// values and names ("TLS1_2", "AzureServices", "Storage Blob Data Reader", "min_tls_version") and
// paths built from templates ("…/queueServices/default/queues/…").
import { declareValuePlugin, PluginKind } from "@stryker-mutator/api/plugin";

const PROSE = /^(?=.* )(?:[a-z]|.*[.,;:!?()—–"'`…])/s;

/** Whether a piece of text reads as message wording. */
export function isProse(text) {
  if (typeof text !== "string" || !/[A-Za-z]/.test(text)) {
    return false;
  }
  return PROSE.test(text.trim()) || (/\s/.test(text) && (/^\s/.test(text) || /\s$/.test(text)));
}

export const strykerPlugins = [
  declareValuePlugin(PluginKind.Ignore, "message-wording", {
    shouldIgnore(path) {
      if (path.isStringLiteral() && isProse(path.node.value)) {
        return "message wording: messages are tested for what they must say, not word for word";
      }
      if (path.isTemplateLiteral() && path.node.quasis.some((q) => isProse(q.value.cooked))) {
        return "message wording: messages are tested for what they must say, not word for word";
      }
      return undefined;
    },
  }),
];
