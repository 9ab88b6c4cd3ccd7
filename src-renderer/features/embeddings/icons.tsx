import { Svg } from '../../ui/icons.js';

export const embeddingsIcon = (
  <Svg>
    <circle cx="6" cy="7" r="2" />
    <circle cx="17" cy="6" r="2" />
    <circle cx="12" cy="17" r="2" />
    <path d="M8 7.5 15 6.5M7 9l4 6M16 8l-3 7" />
  </Svg>
);
