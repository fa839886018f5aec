"""The commune operations platform."""
import warnings

# eventlet prints a deprecation banner at import; the pin is deliberate (nameko 2.14,
# see DESIGN.md), and operators should not read it at every start.
warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")
