/**
 * The brand as templates use it (docs/branding.md#brand): the name, the logo and style sheet
 * addresses, and the accent colour with a text colour that contrasts with it and a shade dark
 * enough for links on white (WCAG AA, 4.5:1).
 */
import type { BrandConfig } from '../config/brand.js';

/** Where Latchkey serves BRAND_LOGO_FILE and BRAND_CSS_FILE (src/http/pages/brand-assets.ts). */
export const BRAND_LOGO_PATH = '/brand/logo';
export const BRAND_CSS_PATH = '/brand/style.css';

export interface BrandView {
  name: string;
  /** True when BRAND_NAME is set. */
  custom: boolean;
  /** The logo's address (absolute when the view is for email), or null. */
  logo: string | null;
  /** The extra style sheet's address, or null. */
  css: string | null;
  /** The accent colour, #rrggbb. */
  color: string;
  /** Black or white, whichever contrasts more with `color` (button text). */
  colorText: string;
  /** `color`, darkened until it has 4.5:1 contrast on white (links, focus rings). */
  colorInk: string;
}

/**
 * The brand for templates. `base` is prefixed to Latchkey's own asset paths: '' for pages
 * (same origin), PUBLIC_URL for emails.
 */
export function brandView(brand: BrandConfig, base = ''): BrandView {
  const rgb = parseHex(brand.color);
  return {
    name: brand.name,
    custom: brand.custom,
    logo: brand.logoUrl ?? (brand.logoFile !== null ? `${base}${BRAND_LOGO_PATH}` : null),
    css: brand.cssFile !== null ? `${base}${BRAND_CSS_PATH}` : null,
    color: brand.color,
    colorText: contrast(rgb, [0, 0, 0]) >= contrast(rgb, [255, 255, 255]) ? '#000000' : '#ffffff',
    colorInk: toHex(inkOnWhite(rgb)),
  };
}

export type Rgb = [number, number, number];

function parseHex(hex: string): Rgb {
  const n = Number.parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

function toHex(rgb: Rgb): string {
  return `#${rgb.map((c) => Math.round(c).toString(16).padStart(2, '0')).join('')}`;
}

// Relative luminance and contrast ratio as WCAG 2.x defines them.
function luminance(rgb: Rgb): number {
  const [r, g, b] = rgb.map((c) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  }) as Rgb;
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** The contrast ratio of two colours (1 to 21). */
export function contrast(a: Rgb, b: Rgb): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

function inkOnWhite(rgb: Rgb): Rgb {
  let shade = rgb;
  for (let i = 0; i < 20 && contrast(shade, [255, 255, 255]) < 4.6; i++) shade = shade.map((c) => c * 0.85) as Rgb;
  return shade;
}
