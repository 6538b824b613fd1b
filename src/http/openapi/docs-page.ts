/**
 * /docs: the OpenAPI document rendered on the server as one plain HTML page, operations grouped
 * by tag: method, path, summary, security, parameters, request body and responses, schemas as
 * nested field lists. No script and no external request, so it is served under the hosted
 * pages' strict CSP. Every value comes from the route schemas and is escaped by the `html` tag.
 */
import { html, SafeHtml } from '../pages/html.js';
import type { OpenApiDocument, OpenApiOperation } from './spec.js';

type Json = Record<string, unknown>;

const STYLE = `
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;background:#f4f5f7;color:#1d2330}
main{max-width:60rem;margin:1.5rem auto;padding:1.5rem 2rem;background:#fff;border-radius:.5rem;box-shadow:0 1px 3px #0002}
h1{font-size:1.6rem;margin:0 0 .5rem}h2{font-size:1.3rem;margin:2rem 0 .5rem;border-bottom:2px solid #e0e3e8}
h3{font-size:1.05rem;margin:1.5rem 0 .25rem}h4{font-size:.95rem;margin:.75rem 0 .25rem}
code{font:13px/1.4 ui-monospace,Menlo,Consolas,monospace;background:#f0f2f5;padding:0 .2rem;border-radius:.2rem}
.op{border-left:4px solid #9aa3b2;padding:.25rem 0 .5rem 1rem;margin:1.25rem 0}
.m{display:inline-block;min-width:4.2rem;text-align:center;color:#fff;border-radius:.25rem;font-weight:700;font-size:.8rem;padding:.1rem .3rem}
.GET{background:#2456c8}.POST{background:#2e7d32}.DELETE{background:#c62828}.PUT,.PATCH{background:#b26a00}.OPTIONS{background:#6b7280}
ul{margin:.2rem 0;padding-left:1.25rem}li{margin:.1rem 0}.t{color:#6b21a8}.req{color:#c62828;font-size:.85rem}
.d{color:#4b5563}table{border-collapse:collapse}td,th{border:1px solid #e0e3e8;padding:.2rem .5rem;text-align:left;vertical-align:top}
nav ul{columns:2}nav li{break-inside:avoid;overflow-wrap:anywhere}
`;

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Text with `code` spans (the Markdown of OpenAPI descriptions, as far as ours use it), escaped. */
function text(value: unknown): SafeHtml {
  const parts = String(value ?? '').split('`');
  if (parts.length % 2 === 0) return html`${parts.join('`')}`; // an unpaired backtick: plain text
  return html`${parts.map((part, i) => (i % 2 === 1 ? html`<code>${part}</code>` : part))}`;
}

function typeLabel(schema: Json): string {
  const type = Array.isArray(schema.type) ? (schema.type as string[]).join(' | ') : typeof schema.type === 'string' ? schema.type : '';
  const format = typeof schema.format === 'string' ? ` (${schema.format})` : '';
  if (type === 'array' && isRecord(schema.items)) return `array of ${typeLabel(schema.items) || 'any'}`;
  return type + format;
}

function constraints(schema: Json): string[] {
  const out: string[] = [];
  if (schema.const !== undefined) out.push(`always ${JSON.stringify(schema.const)}`);
  if (Array.isArray(schema.enum)) out.push(`one of ${schema.enum.map((v) => JSON.stringify(v)).join(', ')}`);
  const min = typeof schema.minLength === 'number' ? schema.minLength : null;
  const max = typeof schema.maxLength === 'number' ? schema.maxLength : null;
  if (min !== null && max !== null) out.push(`${min} to ${max} characters`);
  else if (min !== null) out.push(`at least ${min} characters`);
  else if (max !== null) out.push(`at most ${max} characters`);
  if (typeof schema.pattern === 'string') out.push(`matches ${schema.pattern}`);
  if (typeof schema.minimum === 'number') out.push(`≥ ${schema.minimum}`);
  if (typeof schema.maximum === 'number') out.push(`≤ ${schema.maximum}`);
  if (schema.additionalProperties === false && isRecord(schema.properties)) out.push('no other fields');
  return out;
}

/** A schema as a short line plus nested lists for its fields, items and alternatives. */
function renderSchema(schema: unknown, depth = 0): SafeHtml {
  if (!isRecord(schema)) return html``;
  if (depth > 6) return html`<span class="d">…</span>`;
  const notes = constraints(schema);
  const head = html`<span class="t">${typeLabel(schema)}</span>${notes.length ? html` <span class="d">(${notes.join('; ')})</span>` : ''}${
    typeof schema.description === 'string' ? html` — ${text(schema.description)}` : ''
  }`;
  const alternatives = (['anyOf', 'oneOf'] as const).flatMap((key) => (Array.isArray(schema[key]) ? (schema[key] as unknown[]) : []));
  const items = isRecord(schema.items) ? schema.items : null;
  const properties = isRecord(schema.properties) ? schema.properties : isRecord(items?.properties) ? (items as Json).properties as Json : null;
  const required = new Set((Array.isArray(schema.required) ? schema.required : Array.isArray(items?.required) ? items.required : []) as string[]);
  return html`${head}${
    properties
      ? html`<ul>${Object.entries(properties).map(
          ([name, prop]) => html`<li><code>${name}</code> ${required.has(name) ? html`<span class="req">required</span> ` : ''}${renderSchema(prop, depth + 1)}</li>`,
        )}</ul>`
      : ''
  }${
    alternatives.length
      ? html`one of:<ul>${alternatives.map((alt) => html`<li>${isRecord(alt) && typeof alt.title === 'string' ? html`<strong>${alt.title}</strong>: ` : ''}${renderSchema(alt, depth + 1)}</li>`)}</ul>`
      : ''
  }`;
}

function renderContent(content: unknown): SafeHtml {
  if (!isRecord(content)) return html``;
  return html`${Object.entries(content).map(([media, item]) => html`<div><code>${media}</code> ${renderSchema(isRecord(item) ? item.schema : undefined)}</div>`)}`;
}

function renderSecurity(security: unknown): SafeHtml {
  if (!Array.isArray(security)) return html`<span class="d">not declared</span>`;
  if (security.length === 0) return html`none (public)`;
  const options = security.map((alt) => (isRecord(alt) && Object.keys(alt).length > 0 ? Object.keys(alt).join(' + ') : 'none'));
  return html`${options.map((o, i) => html`${i > 0 ? ' or ' : ''}<code>${o}</code>`)}`;
}

function renderParameters(parameters: unknown): SafeHtml {
  if (!Array.isArray(parameters) || parameters.length === 0) return html``;
  return html`<h4>Parameters</h4><table><tr><th>name</th><th>in</th><th>schema</th></tr>${parameters.filter(isRecord).map(
    (p) =>
      html`<tr><td><code>${String(p.name)}</code>${p.required === true ? html` <span class="req">required</span>` : ''}</td><td>${String(p.in)}</td><td>${renderSchema(p.schema)}${
        typeof p.description === 'string' && p.description ? html` — ${text(p.description)}` : ''
      }</td></tr>`,
  )}</table>`;
}

function renderResponses(responses: unknown): SafeHtml {
  if (!isRecord(responses)) return html``;
  const shown = new Map<string, string>(); // a body already shown in this operation, by its JSON, and where
  return html`<h4>Responses</h4><ul>${Object.entries(responses).filter((e): e is [string, Json] => isRecord(e[1])).map(([status, r]) => {
    const key = JSON.stringify(r.content ?? null);
    const earlier = isRecord(r.content) && Object.keys(r.content).length > 0 ? shown.get(key) : undefined;
    if (earlier === undefined) shown.set(key, status);
    return html`<li><strong>${status}</strong> ${text(r.description)}${
      isRecord(r.headers) ? html`<div>headers: ${Object.keys(r.headers).map((h, i) => html`${i > 0 ? ', ' : ''}<code>${h}</code>`)}</div>` : ''
    }${earlier === undefined ? renderContent(r.content) : html`<div class="d">The same body as ${earlier}.</div>`}</li>`;
  })}</ul>`;
}

function renderOperation(method: string, path: string, op: OpenApiOperation): SafeHtml {
  const body = isRecord(op.requestBody) ? op.requestBody : null;
  return html`<section class="op" id="${String(op.operationId)}"><h3><span class="m ${method}">${method}</span> <code>${path}</code></h3>
<p>${text(op.summary)}</p>${typeof op.description === 'string' ? op.description.split('\n\n').map((p) => html`<p class="d">${text(p)}</p>`) : ''}
<div>Security: ${renderSecurity(op.security)}</div>${renderParameters(op.parameters)}${
    body
      ? html`<h4>Request body${body.required === true ? '' : ' (optional)'}</h4>${typeof body.description === 'string' ? html`<p class="d">${text(body.description)}</p>` : ''}${renderContent(body.content)}`
      : ''
  }${renderResponses(op.responses)}</section>`;
}

/** The whole reference page. */
export function renderDocsPage(doc: OpenApiDocument): string {
  const info = isRecord(doc.info) ? doc.info : {};
  const tags = (Array.isArray(doc.tags) ? doc.tags : []).filter(isRecord).map((t) => ({ name: String(t.name), description: String(t.description ?? '') }));
  const operations = Object.entries(doc.paths).flatMap(([path, item]) => Object.entries(item).map(([method, op]) => ({ path, method: method.toUpperCase(), op })));
  const tagOf = (op: OpenApiOperation): string => (Array.isArray(op.tags) && typeof op.tags[0] === 'string' ? op.tags[0] : 'other');
  const groups = [...tags, { name: 'other', description: 'Operations without a tag.' }]
    .map((tag) => ({ ...tag, ops: operations.filter((o) => tagOf(o.op) === tag.name) }))
    .filter((g) => g.ops.length > 0);
  const schemes = isRecord(doc.components) && isRecord(doc.components.securitySchemes) ? doc.components.securitySchemes : {};
  const servers = Array.isArray(doc.servers) ? doc.servers.filter(isRecord).map((s) => String(s.url)) : [];
  const page = html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${String(info.title ?? 'API')} API reference</title><style>${new SafeHtml(STYLE)}</style></head>
<body><main><h1>${String(info.title ?? 'API')} API reference <small class="d">${String(info.version ?? '')}</small></h1>
<p>${text(info.description)}</p>
<p>Server: ${servers.map((s) => html`<code>${s}</code> `)}· Machine-readable: <a href="/openapi.json">/openapi.json</a> (OpenAPI ${String(doc.openapi)})</p>
<nav><h2>Operations</h2>${groups.map(
    (g) => html`<h4>${g.name}</h4><ul>${g.ops.map((o) => html`<li><a href="#${String(o.op.operationId)}"><code>${o.method} ${o.path}</code></a> ${text(o.op.summary)}</li>`)}</ul>`,
  )}</nav>
<h2>Security schemes</h2><table><tr><th>name</th><th>kind</th><th>description</th></tr>${Object.entries(schemes).filter((e): e is [string, Json] => isRecord(e[1])).map(
    ([name, s]) =>
      html`<tr><td><code>${name}</code></td><td>${String(s.type)}${typeof s.scheme === 'string' ? ` ${s.scheme}` : ''}${typeof s.in === 'string' ? html` in ${s.in} <code>${String(s.name)}</code>` : ''}</td><td>${text(s.description)}</td></tr>`,
  )}</table>
${groups.map((g) => html`<h2 id="tag-${g.name}">${g.name}</h2><p class="d">${text(g.description)}</p>${g.ops.map((o) => renderOperation(o.method, o.path, o.op))}`)}
</main></body></html>
`;
  return page.value;
}
