// Reads a card the way a person would: all its visible words, and its buttons.
import type { AdaptiveCard } from '../render-card';
import { walk } from '../render-card';

export function visibleText(card: AdaptiveCard): string {
  const parts: string[] = [];
  walk(card.body, (node) => {
    if (node.type === 'TextBlock' && typeof node.text === 'string') parts.push(node.text);
    // The runs of one RichTextBlock read as one line.
    if (node.type === 'RichTextBlock' && Array.isArray(node.inlines)) parts.push(node.inlines.map((run: { text?: unknown }) => String(run.text)).join(''));
    if (typeof node.label === 'string') parts.push(node.label);
    if (typeof node.title === 'string') parts.push(node.title);
  });
  return parts.join(' ');
}

export function buttons(card: AdaptiveCard): Array<{ title: string; verb?: string; url?: string; data?: unknown }> {
  return (card.actions ?? []).map((a) => ({
    title: String(a.title),
    ...(typeof a.verb === 'string' ? { verb: a.verb } : {}),
    ...(typeof a.url === 'string' ? { url: a.url } : {}),
    ...(a.data !== undefined ? { data: a.data } : {}),
  }));
}

export function inputs(card: AdaptiveCard): Array<Record<string, unknown>> {
  const found: Array<Record<string, unknown>> = [];
  walk(card.body, (node) => {
    if (typeof node.type === 'string' && node.type.startsWith('Input.')) found.push(node);
  });
  return found;
}
