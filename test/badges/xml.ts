// A minimal XML well-formedness check for the SVG tests: balanced tags, quoted attributes,
// one root, no stray '<' or '&', no characters XML 1.0 forbids.
export function assertWellFormed(xml: string): void {
  const token =
    /<!--[\s\S]*?-->|<!\[CDATA\[[\s\S]*?\]\]>|<\?[\s\S]*?\?>|<!DOCTYPE[^>]*>|<\/([^\s>]+)\s*>|<([^\s/>!?]+)((?:\s+[^\s=/>]+\s*=\s*(?:"[^"<]*"|'[^'<]*'))*)\s*(\/?)>|<|&(?!(?:lt|gt|amp|quot|apos|#\d+|#x[0-9a-fA-F]+);)/g;
  const stack: string[] = [];
  let roots = 0;
  for (const m of xml.replace(/^\uFEFF/, '').matchAll(token)) {
    if (m[0] === '<' || m[0] === '&') throw new Error(`not well-formed at ${m.index}: ${xml.slice(m.index, m.index! + 40)}`);
    if (m[1]) expect(stack.pop()).toBe(m[1]);
    else if (m[2]) {
      if (stack.length === 0) roots++;
      if (!m[4]) stack.push(m[2]);
    }
  }
  expect(stack).toEqual([]);
  expect(roots).toBe(1);
  expect(xml).not.toMatch(/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/);
}
