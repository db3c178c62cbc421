package dev.sbx.proxy.log;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * One decision-log line (sbx-cli.md §3.7). It never carries a credential: {@code service}
 * names the injected service, never its value.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record LogRecord(
    @JsonProperty("time") String time,
    @JsonProperty("sandbox") String sandbox,
    @JsonProperty("method") String method,
    @JsonProperty("host") String host,
    @JsonProperty("port") Integer port,
    @JsonProperty("address") String address,
    @JsonProperty("decision") String decision,
    @JsonProperty("rule") String rule,
    @JsonProperty("rule_text") String ruleText,
    @JsonProperty("reason") String reason,
    @JsonProperty("mode") String mode,
    @JsonProperty("service") String service,
    @JsonProperty("status") Integer status,
    @JsonProperty("detail") String detail,
    @JsonProperty("bytes_up") Long bytesUp,
    @JsonProperty("bytes_down") Long bytesDown,
    @JsonProperty("duration_ms") Long durationMs) {}
