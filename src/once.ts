// A release function that may be called from several places (the answer sent, the connection
// closed) but must give back what it holds exactly once.
export function once(fn: () => void): () => void {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    fn();
  };
}
