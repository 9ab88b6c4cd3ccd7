import { Svg } from '../../ui/icons.js';

export const cutoutIcon = (
  <Svg size={14}>
    <circle cx="6.5" cy="6.5" r="2.5" />
    <circle cx="6.5" cy="17.5" r="2.5" />
    <path d="M8.6 8 20 18M8.6 16 20 6" />
  </Svg>
);

export const removeBackgroundIcon = (
  <Svg size={16}>
    <rect x="3.5" y="3.5" width="17" height="17" rx="2" strokeDasharray="3 2.5" />
    <path d="M8 16c1-3.5 2.5-6 4-6s3 2.5 4 6z" />
  </Svg>
);

export const downloadIcon = (
  <Svg size={16}>
    <path d="M12 4v11M7.5 10.5 12 15l4.5-4.5" />
    <path d="M5 19h14" />
  </Svg>
);
