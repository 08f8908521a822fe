import { readFileSync } from 'node:fs';
const [file, fn, windowFile] = process.argv.slice(2);
const p = JSON.parse(readFileSync(file!, 'utf8'));
const win = windowFile ? JSON.parse(readFileSync(windowFile, 'utf8')) : undefined;
const byId = new Map<number, any>(); const parent = new Map<number, number>();
for (const n of p.nodes) { byId.set(n.id, n); for (const c of n.children ?? []) parent.set(c, n.id); }
const self = new Map<number, number>();
let t = p.startTime;
for (let i = 0; i < p.samples.length; i++) { t += p.timeDeltas[i]; if (win && (t < win.fromUs || t > win.toUs)) continue; self.set(p.samples[i], (self.get(p.samples[i]) ?? 0) + (p.timeDeltas[i+1] ?? 0)); }
const stacks = new Map<string, number>();
for (const [id, us] of self) { const n = byId.get(id); if (n.callFrame.functionName !== fn) continue;
  const chain: string[] = []; let cur = parent.get(id); while (cur !== undefined && chain.length < 7) { const c = byId.get(cur).callFrame; chain.push(`${c.functionName||'(anon)'}@${(c.url||'').split('/').slice(-2).join('/')}:${c.lineNumber}`); cur = parent.get(cur); }
  const k = chain.join(' < '); stacks.set(k, (stacks.get(k) ?? 0) + us); }
for (const [k, us] of [...stacks].sort((a,b)=>b[1]-a[1]).slice(0,12)) console.log((us/1000).toFixed(0).padStart(6), 'ms ', k);
