import { useState } from 'react';
import { createPortal } from 'react-dom';
import type { ViewerPanelProps } from '../../app/feature.js';
import { CompareLayer, ResultLayer, ResultsPanel } from './Compare.js';
import { useAssetResults } from './queries.js';

/**
 * The viewer's before/after: the chosen result over the original (on the stage) and the
 * image's results to choose from (in the side column); Compare off shows the result alone. Which one, whether to compare and
 * where the slider is last while the viewer is open, from image to image.
 */
export function RemoveBackgroundViewerPanel({ projectId, asset, stage, side }: ViewerPanelProps) {
  const results = useAssetResults(projectId, asset?.id ?? null).data ?? [];
  const [chosen, setChosen] = useState<string | null>(null);
  const [compare, setCompare] = useState(true);
  const [position, setPosition] = useState(50);
  if (!asset || results.length === 0) return null;
  // Newest result unless the user picked one of this image's.
  const result = results.find((r) => r.asset.id === chosen) ?? results[0]!;
  return (
    <>
      {stage ? createPortal(compare ? <CompareLayer result={result} original={asset} position={position} onPosition={setPosition} /> : <ResultLayer result={result} />, stage) : null}
      {side ? createPortal(<ResultsPanel projectId={projectId} results={results} chosenId={result.asset.id} onChoose={setChosen} compare={compare} onCompare={setCompare} />, side) : null}
    </>
  );
}
