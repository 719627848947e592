// Site names: parse a string into a site, the registrable domain of its host
// (W3C Attribution §4.1.4 "parse a site"). Sites are kept as their host string, since the
// scheme is always "https".

import { siteSyntaxError } from './errors.js';

/** Maps a host to its registrable domain, or null when it has none (an IP, a public suffix). */
export type RegistrableDomainFn = (host: string) => string | null;

/**
 * Public suffixes with more than one label that the built-in rule set knows. Every other host
 * uses the Public Suffix List's default rule "*" (the last label is the public suffix).
 * Limitation: this is a small subset of the Public Suffix List; pass a full implementation as
 * `registrableDomain` where sites under other multi-label suffixes must be told apart.
 */
// prettier-ignore
const MULTI_LABEL_SUFFIXES: ReadonlySet<string> = new Set([
  'co.uk', 'org.uk', 'ac.uk', 'gov.uk', 'me.uk', 'ltd.uk', 'plc.uk', 'net.uk',
  'com.au', 'net.au', 'org.au', 'edu.au', 'gov.au',
  'co.nz', 'org.nz', 'co.jp', 'ne.jp', 'or.jp', 'ac.jp', 'co.kr', 'or.kr',
  'com.br', 'com.cn', 'net.cn', 'org.cn', 'com.mx', 'co.in', 'com.tr', 'co.za', 'com.sg',
  'com.hk', 'com.tw', 'com.ar', 'com.es', 'co.il',
  'github.io', 'gitlab.io', 'herokuapp.com', 'blogspot.com', 'appspot.com', 'pages.dev',
  'workers.dev', 'vercel.app', 'netlify.app', 'web.app', 'firebaseapp.com', 'cloudfront.net',
  'azurewebsites.net', 'glitch.me', 'fly.dev', 'onrender.com',
]);

// WHATWG URL forbidden domain code points, plus "%" (percent-encoded hosts are not accepted).
const FORBIDDEN_HOST_CHARS = '#%/:<>?@[\\]^|';

/** True when `input` has a forbidden domain code point (C0 control, space, DEL or the above). */
function hasForbiddenHostChar(input: string): boolean {
  for (let i = 0; i < input.length; i++) {
    const c = input.charCodeAt(i);
    if (c <= 0x20 || c === 0x7f || FORBIDDEN_HOST_CHARS.includes(input[i]!)) return true;
  }
  return false;
}
const IPV4 = /^\d+\.\d+\.\d+\.\d+$/;

/**
 * Registrable domain of an ASCII host using the built-in suffix rules.
 *
 * @param host - lowercase ASCII host without a trailing dot
 * @returns the registrable domain, or null for IP addresses and public suffixes
 * @example
 * defaultRegistrableDomain('shop.example.co.uk'); // 'example.co.uk'
 */
export function defaultRegistrableDomain(host: string): string | null {
  if (IPV4.test(host) || host.startsWith('[')) return null;
  const labels = host.split('.');
  if (labels.some((label) => label.length === 0)) return null;

  let suffixLabels = 1;
  for (let n = labels.length; n >= 2; n--) {
    if (MULTI_LABEL_SUFFIXES.has(labels.slice(labels.length - n).join('.'))) {
      suffixLabels = n;
      break;
    }
  }
  if (labels.length <= suffixLabels) return null;
  return labels.slice(labels.length - suffixLabels - 1).join('.');
}

/**
 * Parse a site: host parser, then registrable domain, then reject localhost
 * (W3C Attribution §4.1.4). A string with a scheme ("https://a.example/path") is reduced to its
 * host first, so origins are accepted too.
 *
 * @param input - a domain name or an https origin
 * @param option - name of the input, for the error
 * @param registrableDomain - maps a host to its registrable domain
 * @returns the site, as its registrable domain in ASCII
 * @throws {DOMException} named "SyntaxError" when the input is not a site
 * @example
 * parseSite('extra.example.com', 'conversionSites'); // 'example.com'
 */
export function parseSite(
  input: string,
  option: string,
  registrableDomain: RegistrableDomainFn = defaultRegistrableDomain,
): string {
  let host: string;
  try {
    host = hostOf(input);
  } catch {
    throw siteSyntaxError(option);
  }

  // W3C Attribution §4.1.4: obtain a registrable domain; null is failure.
  const site = registrableDomain(host);
  if (site === null || site.length === 0) throw siteSyntaxError(option);

  // W3C Attribution §4.1.4: localhost domains are not sites.
  if (site === 'localhost' || site.endsWith('.localhost')) throw siteSyntaxError(option);
  return site;
}

function hostOf(input: string): string {
  if (typeof input !== 'string' || input.length === 0 || input.length > 253 * 4) {
    throw new Error('bad host');
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//iu.test(input)) {
    // An origin or URL: only https sites exist (W3C Attribution §4.1.4).
    const url = new URL(input);
    if (url.protocol !== 'https:') throw new Error('bad scheme');
    return nonEmpty(url.hostname);
  }
  if (hasForbiddenHostChar(input)) throw new Error('bad host');
  // The URL parser applies the WHATWG host parser (IDNA to ASCII, IPv4 normalisation).
  return nonEmpty(new URL(`https://${input}/`).hostname);
}

function nonEmpty(host: string): string {
  if (host.length === 0) throw new Error('empty host');
  return host;
}
