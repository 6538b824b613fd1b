/** The html`` template tag escapes every interpolation unless it is itself html``. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { html } from '../../src/http/pages/html.js';

describe('html template tag', () => {
  it('escapes text and attribute values', () => {
    const evil = `"><script>alert('x')</script>&\``;
    assert.equal(
      html`<p title="${evil}">${evil}</p>`.value,
      '<p title="&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&#96;">&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&#96;</p>',
    );
  });

  it('keeps nested templates, joins arrays and drops null, undefined and false', () => {
    const items = ['<a>', 'b'].map((x) => html`<li>${x}</li>`);
    assert.equal(html`<ul>${items}${null}${undefined}${false}</ul>`.value, '<ul><li>&lt;a&gt;</li><li>b</li></ul>');
    assert.equal(html`${0}`.value, '0');
  });

  it('never lets an interpolated string add a tag or leave a quoted attribute', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        const out = html`<i a="${s}">${s}</i>`.value;
        return !/[<>"']/.test(out.slice('<i a="'.length, out.length - '</i>'.length).replace('">', ''));
      }),
    );
  });
});
