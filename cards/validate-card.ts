// Checks a card the way a client would read it, plus the contract between the
// cards and the bot. The `adaptivecards` package finds what the schema
// forbids (unknown element types, bad enum values, duplicate ids, inputs
// without labels); the rest is ours: version 1.5, every Action.Execute has a
// known verb and carries requestId and stepToken, the inputs a button submits
// are exactly the fields its verb's schema reads, text wraps on a phone, and
// no template binding is left unexpanded.
import { cardActionDataSchemas, isCardVerb } from './actions';
import { SECRET_INPUT_IDS, walk } from './render-card';

// The package's default lib/ build does not load in Node 24; its UMD build
// does, and parses without a DOM.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const AC = require('adaptivecards/dist/adaptivecards.js') as typeof import('adaptivecards');

/** Problems found in `json`, in words; an empty list means the card is good. */
export function validateCard(json: unknown): string[] {
  return [...schemaProblems(json), ...contractProblems(json)];
}

function schemaProblems(json: unknown): string[] {
  const card = new AC.AdaptiveCard();
  const context = new AC.SerializationContext(AC.Versions.v1_5);
  card.parse(json, context);
  const problems: string[] = [];
  for (let i = 0; i < context.eventCount; i++) {
    const event = context.getEventAt(i);
    problems.push(`parse: ${AC.ValidationEvent[event.event]}: ${event.message}`);
  }
  for (const event of card.validateProperties().validationEvents) {
    problems.push(`validate: ${AC.ValidationEvent[event.event]}: ${event.message}`);
  }
  return problems;
}

type Node = Record<string, unknown>;

function contractProblems(json: unknown): string[] {
  const problems: string[] = [];
  const card = json as Node;
  if (card?.type !== 'AdaptiveCard') problems.push('card: type must be "AdaptiveCard"');
  if (card?.version !== '1.5') problems.push(`card: version must be "1.5", not ${JSON.stringify(card?.version)}`);
  if (JSON.stringify(json).includes('${')) problems.push('card: a template binding was left unexpanded');

  const inputs: Node[] = [];
  const executes: Node[] = [];
  walk(json, (node) => {
    const type = typeof node.type === 'string' ? node.type : '';
    if (type.startsWith('Input.')) inputs.push(node);
    if (type === 'Action.Execute') executes.push(node);
    if (type === 'TextBlock' && node.wrap !== true) problems.push(`TextBlock "${String(node.text)}": must wrap, or it is cut off on a phone`);
    if ((type === 'TextBlock' || type === 'TextRun') && (typeof node.text !== 'string' || node.text.trim() === '')) {
      problems.push(`${type}: has no text`);
    }
    if (type === 'Action.OpenUrl' && !String(node.url).startsWith('https://')) problems.push(`Action.OpenUrl: url must be https`);
    // The one Action.Submit Teams needs: opening a dialog (task/fetch), which Action.Execute cannot do.
    const opensDialog = (node.data as { msteams?: { type?: unknown } } | undefined)?.msteams?.type === 'task/fetch';
    if (type === 'Action.Submit' && !opensDialog) problems.push('Action.Submit: use Action.Execute (Universal Actions)');
  });
  for (const input of inputs) {
    if ((input.style === 'password' || SECRET_INPUT_IDS.includes(String(input.id))) && 'value' in input) {
      problems.push(`input "${String(input.id)}": takes a secret and must not have a value`);
    }
  }

  const inputIds = inputs.map((input) => String(input.id));
  for (const action of executes) {
    const verb = action.verb;
    const label = `Action.Execute "${String(action.title)}"`;
    if (!isCardVerb(verb)) {
      problems.push(`${label}: verb ${JSON.stringify(verb)} is not a CardVerb`);
      continue;
    }
    const data = (action.data ?? {}) as Node;
    const shape = cardActionDataSchemas[verb].shape as Record<string, { safeParse(v: unknown): { success: boolean } }>;
    // Every button names what it acts on (a request, or an agent) and carries its step token.
    for (const key of ['stepToken', 'agentId' in shape ? 'agentId' : 'requestId']) {
      if (typeof data[key] !== 'string' || data[key] === '') problems.push(`${label}: data.${key} must be a non-empty string`);
    }
    const submitted = action.associatedInputs === 'none' ? [] : inputIds;
    for (const id of submitted) {
      if (!(id in shape)) problems.push(`${label}: submits input "${id}" that verb ${verb} does not read`);
    }
    for (const [field, schema] of Object.entries(shape)) {
      const required = !schema.safeParse(undefined).success;
      if (required && !(field in data) && !submitted.includes(field)) problems.push(`${label}: verb ${verb} needs "${field}" but the card does not send it`);
    }
  }
  return problems;
}
