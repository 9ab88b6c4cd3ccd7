import { Svg } from '../../ui/icons.js';

export const matchingIcon = (
  <Svg>
    <path d="M4 8h13M13.5 4.5 17 8l-3.5 3.5" />
    <path d="M20 16H7M10.5 12.5 7 16l3.5 3.5" />
  </Svg>
);
