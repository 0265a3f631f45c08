"""What every request passes through: the caller, its parameters, body limits, strict JSON, error answers, headers."""
