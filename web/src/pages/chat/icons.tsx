/** Small inline icons (no icon font or emoji needed); decorative: buttons carry their own names. */
const svg = (d: string) => function Icon() {
  return (
    <svg className="chat-icon" viewBox="0 0 24 24" width="16" height="16" aria-hidden="true" focusable="false"
      fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round"><path d={d} /></svg>
  );
};

export const ThumbUpIcon = svg("M7 10v11H3V10h4zm0 0l4-8a3 3 0 013 3v4h5.5a2 2 0 012 2.3l-1.4 8A2 2 0 0118.1 21H7");
export const ThumbDownIcon = svg("M17 14V3h4v11h-4zm0 0l-4 8a3 3 0 01-3-3v-4H4.5a2 2 0 01-2-2.3l1.4-8A2 2 0 015.9 3H17");
export const TrashIcon = svg("M3 6h18M8 6V4h8v2m-9 0l1 14h8l1-14M10 10v7m4-7v7");
export const PencilIcon = svg("M4 20h4L19 9l-4-4L4 16v4zm9-13l4 4");
