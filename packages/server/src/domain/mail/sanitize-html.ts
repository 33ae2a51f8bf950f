import sanitizeHtml from 'sanitize-html';

// Customer HTML is served to agents' browsers: no scripts, no event handlers,
// no forms, frames, objects, or style tricks that load remote content. Images
// are the one remote resource we allow (http, https, cid: and data: URLs).
const safeCssValue = /^(?!.*(url\s*\(|expression\s*\(|javascript:|@import|behaviou?r\s*:)).*$/i;
const styleProperties = [
  'color', 'background-color', 'font-family', 'font-size', 'font-weight', 'font-style', 'text-align',
  'text-decoration', 'line-height', 'margin', 'margin-top', 'margin-bottom', 'margin-left', 'margin-right',
  'padding', 'padding-top', 'padding-bottom', 'padding-left', 'padding-right', 'border', 'border-collapse',
  'width', 'height', 'max-width', 'vertical-align', 'white-space', 'display',
];

const options: sanitizeHtml.IOptions = {
  allowedTags: [
    ...sanitizeHtml.defaults.allowedTags.filter((tag) => tag !== 'style'),
    'img', 'font', 'center', 'span', 'u', 's', 'strike', 'sub', 'sup', 'small', 'big',
  ],
  allowedAttributes: {
    '*': ['style', 'title', 'dir', 'lang', 'align', 'valign', 'width', 'height', 'bgcolor', 'colspan', 'rowspan'],
    a: ['href', 'name', 'target', 'rel'],
    img: ['src', 'alt', 'width', 'height'],
    font: ['color', 'face', 'size'],
  },
  allowedSchemes: ['http', 'https', 'mailto', 'tel'],
  allowedSchemesByTag: { img: ['http', 'https', 'cid', 'data'] },
  allowProtocolRelative: false,
  allowedStyles: { '*': Object.fromEntries(styleProperties.map((p) => [p, [safeCssValue]])) },
  transformTags: {
    a: (tagName, attribs) => ({ tagName, attribs: { ...attribs, target: '_blank', rel: 'noopener noreferrer nofollow' } }),
  },
  disallowedTagsMode: 'discard',
};

/** Sanitizes an inbound message's HTML for display; the raw source stays untouched. */
export function sanitizeEmailHtml(html: string): string {
  return sanitizeHtml(html, options);
}
