/** My usage (to be built). */
export function MyUsagePage(_props: { params: URLSearchParams }) {
  return <h1>My usage</h1>;
}
