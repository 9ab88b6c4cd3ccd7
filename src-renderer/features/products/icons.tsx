import { Svg } from '../../ui/icons.js';

/** A price tag: the catalog's products. */
export const productsIcon = (
  <Svg>
    <path d="M3 12V4h8l9 9-8 8z" />
    <circle cx="7.5" cy="8.5" r="1.5" />
  </Svg>
);
