import { videosContract } from '../../../src-shared/contract/index.js';
import { defineFeature } from '../../app/feature.js';
import { videosIcon } from './icons.js';
import { useVideosLive } from './live.js';
import { en, tr } from './messages.js';
import { VideoDropTarget } from './VideoDrop.js';
import { ProductVideos } from './ProductVideos.js';
import './videos.css';
import { VideosPage } from './VideosPage.js';

/** Product videos: the Videos page, video files dropped anywhere (and their barcodes asked for), a product's source video on its page, and how their batches read. */
export const videosFeature = defineFeature({
  name: 'videos',
  contract: videosContract,
  messages: { en, tr },
  routes: [{ page: 'videos', order: 25, label: 'nav.videos', icon: videosIcon, Page: VideosPage }],
  shell: [VideoDropTarget],
  productPanels: [{ id: 'source-videos', order: 10, Panel: ProductVideos }],
  live: [useVideosLive],
  batchPresenters: { videos: { toast: true } },
});
