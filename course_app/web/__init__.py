"""What wraps every request and response: the sealed session cookie, the cross-site check, the limits on
expensive work, the security and cache headers, and compression."""
