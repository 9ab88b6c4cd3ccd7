/** What other renderer features may use of augmentation. */
export { AugmentationPanel } from './AugmentationPanel.js';
