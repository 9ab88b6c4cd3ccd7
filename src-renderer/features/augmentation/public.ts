/** What other renderer features may use of augmentation. */
export { AugmentationPanel } from './AugmentationPanel.js';
/** The product panel id the products page renders inside its Augmented tab instead of beside the status card. */
export const AUGMENTED_TAB_PANEL = 'augmented-tab';
