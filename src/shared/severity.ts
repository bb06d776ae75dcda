/** How bad a finding is. */
export type Severity = 'info' | 'low' | 'medium' | 'high' | 'critical';
