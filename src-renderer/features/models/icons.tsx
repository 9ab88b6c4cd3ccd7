import { Svg } from '../../ui/icons.js';

export const modelsIcon = (
  <Svg>
    <path d="M12 3 20 7.5v9L12 21l-8-4.5v-9z" />
    <path d="M4 7.5 12 12l8-4.5M12 12v9" />
  </Svg>
);
