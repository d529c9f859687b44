/*
 * A 5×7 bitmap font for figure labels, printable ASCII (32–126) plus ± and ×. Each glyph is five
 * column bytes, bit 0 the top row, in the layout of the classic HD44780-style 5×7 tables.
 */

const ASCII =
  '0000000000 00005f0000 0007000700 147f147f14 242a7f2a12 2313086462 3649552250 0005030000 ' +
  '001c224100 0041221c00 082a1c2a08 08083e0808 0050300000 0808080808 0060600000 2010080402 ' +
  '3e5149453e 00427f4000 4261514946 2141454b31 1814127f10 2745454539 3c4a494930 0171090503 ' +
  '3649494936 064949291e 0036360000 0056360000 0008142241 1414141414 4122140800 0201510906 ' +
  '3249794136 7e1111117e 7f49494936 3e41414122 7f4141221c 7f49494941 7f09090101 3e41415132 ' +
  '7f0808087f 00417f4100 2040413f01 7f08142241 7f40404040 7f0204027f 7f0408107f 3e4141413e ' +
  '7f09090906 3e4151215e 7f09192946 4649494931 01017f0101 3f4040403f 1f2040201f 7f2018207f ' +
  '6314081463 0304780403 6151494543 00007f4141 0204081020 41417f0000 0402010204 4040404040 ' +
  '0001020400 2054545478 7f48444438 3844444420 384444487f 3854545418 087e090102 0c5252523e ' +
  '7f08040478 00447d4000 2040443d00 007f102844 00417f4000 7c04180478 7c08040478 3844444438 ' +
  '7c14141408 081414187c 7c08040408 4854545420 043f444020 3c4040207c 1c2040201c 3c4030403c ' +
  '4428102844 0c5050503c 4464544c44 0008364100 00007f0000 0041360800 0804081008';

const EXTRA: Record<string, string> = { '±': '44445f4444', '×': '2214081422' };

function parse(hex: string): Uint8Array {
  const g = new Uint8Array(5);
  for (let i = 0; i < 5; i++) g[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return g;
}

const GLYPHS = new Map<string, Uint8Array>();
ASCII.split(' ').forEach((hex, i) => GLYPHS.set(String.fromCharCode(32 + i), parse(hex)));
for (const [ch, hex] of Object.entries(EXTRA)) GLYPHS.set(ch, parse(hex));
/** Drawn for characters the font lacks: a hollow box. */
const MISSING = parse('7f4141417f');

export const GLYPH_WIDTH = 5;
export const GLYPH_HEIGHT = 7;
/** Horizontal advance per character, in font pixels (glyph plus one column of spacing). */
export const GLYPH_ADVANCE = 6;

/** The five column bytes of a character (bit 0 = top row). */
export function glyph(ch: string): Uint8Array {
  return GLYPHS.get(ch) ?? MISSING;
}

/** Width in pixels of `text` drawn at integer `scale` (no trailing spacing column). */
export function textWidth(text: string, scale = 1): number {
  const n = [...text].length;
  return n === 0 ? 0 : (n * GLYPH_ADVANCE - 1) * scale;
}

/** Height in pixels of one line drawn at `scale`. */
export function textHeight(scale = 1): number {
  return GLYPH_HEIGHT * scale;
}
