"""The state and services layer between the pages/components (which render) and the pure
`cekura_dashboards` package: the session's connection and client, the demo server, the
read cache, drafts, the save flow, and every session-state key (`state_keys`). It may
import Streamlit; it draws nothing."""
