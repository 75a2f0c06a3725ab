/** Partner user (to be built). */
export function PartnerUserPage(_props: { params: URLSearchParams }) {
  return <h1>Partner user</h1>;
}
