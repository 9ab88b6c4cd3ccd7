import { Svg } from '../../ui/icons.js';

export const batchIcon = (
  <Svg>
    <path d="M12 3v11M7.5 9.5 12 14l4.5-4.5" />
    <path d="M4 14v4a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2v-4" />
  </Svg>
);

export const galleryIcon = (
  <Svg>
    <rect x="3.5" y="3.5" width="7" height="7" rx="1.5" />
    <rect x="13.5" y="3.5" width="7" height="7" rx="1.5" />
    <rect x="3.5" y="13.5" width="7" height="7" rx="1.5" />
    <rect x="13.5" y="13.5" width="7" height="7" rx="1.5" />
  </Svg>
);

export const renameIcon = (
  <Svg size={16}>
    <path d="M15.5 4.5a2.1 2.1 0 0 1 3 3L8 18l-4 1 1-4z" />
  </Svg>
);

export const deleteIcon = (
  <Svg size={16}>
    <path d="M4 7h16M10 11v6M14 11v6" />
    <path d="M6 7l1 12a2 2 0 0 0 2 2h6a2 2 0 0 0 2-2l1-12M9 7V4.5h6V7" />
  </Svg>
);

export const checkIcon = (
  <Svg size={14}>
    <path d="M5 12.5 10 17 19 7" />
  </Svg>
);

export const previousIcon = (
  <Svg>
    <path d="M15 5l-7 7 7 7" />
  </Svg>
);

export const nextIcon = (
  <Svg>
    <path d="M9 5l7 7-7 7" />
  </Svg>
);
