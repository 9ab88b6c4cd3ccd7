/** What other features may use of the library feature. */
export { projectHref, showProject } from './navigation.js';
export { projectRefresher, type ProjectRefresher } from './project-refresher.js';
export { projectsKey, useProjects } from './queries.js';
export { useSelection } from './selection-store.js';
export { offerUndo } from './UndoBar.js';
export { setGridView, useGridView, type GridView } from './view-store.js';
